"""Clients for the remote APIs: Bitrix24 and Chat2Desk."""
