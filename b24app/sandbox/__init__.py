"""Offline imitations of Bitrix24 and Chat2Desk for `make run` and tests."""
