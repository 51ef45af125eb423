"""Stage steps that are more than one tool call: run as `python -m ci.steps.<name>` inside a stage."""
