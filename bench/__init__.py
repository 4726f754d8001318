"""Benchmarks that print ratios against the budgets in SPEC.md ("Performance budgets")."""
