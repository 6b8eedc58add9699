//! Black-box API tests live under tests/api.
