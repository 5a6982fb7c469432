"""Mock devices: they speak the real bytes on pseudo-terminals, so the real drivers run in every
test and in the demo. `python -m drivers.mock printer|idcard|callpad` (docs/devices.md)."""
