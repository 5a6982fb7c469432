"""Device drivers: the ticket printer, the ID-card reader, the call pad, and their mocks.

Nothing outside this package touches a device.
"""
