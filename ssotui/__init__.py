"""ssotui: a full-screen terminal app for AWS IAM Identity Center."""

__version__ = "0.1.0"
