"""Direction over norm in the residual stream: rescaling vs rotating one activation."""
