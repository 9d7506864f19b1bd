"""Shared internals of constructs_lib. Not public API: names here may change without notice."""
