"""The hall's domain core: tickets, counters, routing, estimates, statistics and the store.

Nothing here knows about Flask or devices; commands return domain events that the web layer
publishes.
"""
