"""The calendar page (being built): the unit's publications by month, week and list."""
