"""Ops tools for operators and CI: validate, find orphans, estimate cost, guard destroys.

Run each as ``python -m infrastructure.ops.<tool>`` from the repository root
(``infrastructure/scripts/<tool>.py`` still works: a launcher that runs the same module).
"""
