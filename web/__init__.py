"""The web shell: app factory, sign-in, errors, the publisher and the Socket.IO connection.

The hall's areas (kiosk/, display/, counter/, guide/, manager/) are blueprints registered here.
"""
from .app import create_app

__all__ = ["create_app"]
