"""The base layer: errors and the command wrapper, CLI value types, paths, provenance, offline setup,
machine facts. Every other part of LeakYOLO may import it; it imports nothing else of LeakYOLO."""
