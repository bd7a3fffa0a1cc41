"""Risk indices computed from layer attributes (pure numpy/pandas, no I/O)."""
