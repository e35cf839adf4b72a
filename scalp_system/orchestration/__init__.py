"""Orchestration: wires one run (any mode), checkpoints, restore and reconcile."""
