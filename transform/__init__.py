"""What labels and numbers mean: canonical keys, label aliases, templates, units and the
consistency rules, all driven by the declarative maps in ``transform/maps/``."""
