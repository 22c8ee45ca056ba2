"""`python -m lmclaims compare|prepare ...`: the same as the `lmclaims` script."""

from lmclaims.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
