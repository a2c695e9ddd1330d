#!/usr/bin/env python
from gongwu.cli import main

if __name__ == "__main__":
    main()
