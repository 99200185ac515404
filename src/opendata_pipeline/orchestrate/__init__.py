"""Prefect orchestration: tasks, parameters, artifacts and run helpers for ``flows/``.

Everything Prefect-specific lives here and in ``flows/``; the steps it wraps
(gather, validate, plan, apply) know nothing about Prefect.
"""
