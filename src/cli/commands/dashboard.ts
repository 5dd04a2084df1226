// `azdr dashboard`: the Function App's dashboard, served locally by the app's own registrations
// against the same backup store (and the CLI's restore instances), until Ctrl-C.
import { once } from "node:events";
import { CliUsageError, EXIT, type ExitCode } from "../io.js";
import { startAzdr, type CliContext } from "../context.js";

export interface DashboardOptions {
  port?: string;
}

export async function dashboardCommand(ctx: CliContext, options: DashboardOptions): Promise<ExitCode> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliUsageError(`--port must be a port number (0-65535), got "${options.port}"`);
  const azdr = await startAzdr(ctx, "blob", port);
  try {
    const url = `${azdr.app.origin}/api/dashboard`;
    if (ctx.out.json) ctx.out.result({ ok: true, url });
    else ctx.out.out(`azdr dashboard: ${url}  (loopback only; Ctrl-C stops it)`);
    if (ctx.signal && !ctx.signal.aborted) await once(ctx.signal, "abort");
  } finally {
    await azdr.close();
  }
  return EXIT.ok;
}
