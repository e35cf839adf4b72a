"""``python -m scalp_system.cli``: the same ``scalp`` command as the console script."""

from scalp_system.cli import main

if __name__ == "__main__":
    main()
