"""Policies: pure rules that turn event histories into state, payable amounts and reminders."""
