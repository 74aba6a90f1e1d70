/** Kept apart from dashboard.ts, which loads Nest: the usage text is printed by every command's --help. */
export const DASHBOARD_USAGE = `  rocketnest dashboard -n host:port [--port 8080] [--host 127.0.0.1] [--path /]
      the web console for a RocketNest or Apache RocketMQ cluster; it listens on 127.0.0.1 unless --host says otherwise`;
