from pykickstart.version import RHEL9 as VERSION

__all__ = ["VERSION"]
