//! Demo data: quotes on the demo deals, written as rows (the demo runs without a caller).
