"""Renderers: they format the value objects they are given and analyse nothing."""
