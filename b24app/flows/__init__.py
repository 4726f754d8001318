"""Plain-function flows: they take their clients as arguments and return an Outcome."""
