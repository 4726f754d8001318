"""Thin blueprints: each turns a request into a typed input, calls a flow, renders."""
