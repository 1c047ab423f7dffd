from ssotui.cli import main

raise SystemExit(main())
