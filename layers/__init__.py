"""Spatial layers: the Layer protocol, sampling primitives, the data catalogue, built-in layers."""
