"""One FlaskForm per tab; forms validate, they never fetch."""
