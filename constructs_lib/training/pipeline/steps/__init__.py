"""The pipeline's step types, one module per family."""
