"""Evaluation suite: gold questions, metrics, the naive baseline and reports."""
