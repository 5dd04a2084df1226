// Structured custom events for Application Insights (customEvents table): backup phases, RPO
// status, restore phases and a heartbeat. The Bicep alert rules query these, so Azure Monitor
// pages people even when azdr's own notification code is broken. Sent with the Track API of the
// connection string's IngestionEndpoint; local auth is off in infra, so requests carry an Entra ID
// token (scope https://monitor.azure.com//.default) when a credential is given.
import type { TokenCredential } from "@azure/core-auth";
import type { Logger } from "../sources/context.js";

export const TELEMETRY_EVENTS = {
  backup: "azdr.backup",
  rpo: "azdr.rpo",
  restore: "azdr.restore",
  heartbeat: "azdr.heartbeat",
} as const;

export type TelemetryEventName = (typeof TELEMETRY_EVENTS)[keyof typeof TELEMETRY_EVENTS];

const MONITOR_SCOPE = "https://monitor.azure.com//.default";

export interface TelemetryOptions {
  connectionString?: string;
  credential?: TokenCredential;
  log: Logger;
  fetch?: typeof fetch;
  roleName?: string;
}

export function parseAppInsightsConnectionString(
  value: string,
): { instrumentationKey: string; ingestionEndpoint: string } | undefined {
  const parts = new Map(
    value
      .split(";")
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf("=")).toLowerCase(), p.slice(p.indexOf("=") + 1)] as const),
  );
  const instrumentationKey = parts.get("instrumentationkey");
  if (!instrumentationKey) return undefined;
  const ingestionEndpoint = (
    parts.get("ingestionendpoint") ?? "https://dc.services.visualstudio.com"
  ).replace(/\/+$/, "");
  return { instrumentationKey, ingestionEndpoint };
}

export class Telemetry {
  private readonly target: ReturnType<typeof parseAppInsightsConnectionString>;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TelemetryOptions) {
    this.target = options.connectionString
      ? parseAppInsightsConnectionString(options.connectionString)
      : undefined;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get enabled(): boolean {
    return this.target !== undefined;
  }

  /** Records one custom event; never throws (telemetry must not fail a backup or a restore). */
  async track(
    name: TelemetryEventName,
    properties: Record<string, string | undefined>,
    measurements: Record<string, number> = {},
  ): Promise<boolean> {
    const props = Object.fromEntries(
      Object.entries(properties).filter((e): e is [string, string] => e[1] !== undefined),
    );
    // Also a log line: the Functions host forwards logs to the traces table, a second trail.
    this.options.log.info(`telemetry ${name}`, { ...props, ...measurements });
    if (!this.target) return false;
    const envelope = {
      name: `Microsoft.ApplicationInsights.${this.target.instrumentationKey.replace(/-/g, "")}.Event`,
      time: new Date().toISOString(),
      iKey: this.target.instrumentationKey,
      tags: { "ai.cloud.role": this.options.roleName ?? "azdr" },
      data: {
        baseType: "EventData",
        baseData: { ver: 2, name, properties: props, measurements },
      },
    };
    try {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (this.options.credential) {
        const token = await this.options.credential.getToken(MONITOR_SCOPE);
        if (token) headers["authorization"] = `Bearer ${token.token}`;
      }
      const response = await this.fetch(`${this.target.ingestionEndpoint}/v2.1/track`, {
        method: "POST",
        headers,
        body: JSON.stringify([envelope]),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        this.options.log.warn("telemetry not accepted", { event: name, status: response.status });
        return false;
      }
      return true;
    } catch (error) {
      this.options.log.warn("telemetry not sent", {
        event: name,
        error: error instanceof Error ? error.name : "unknown",
      });
      return false;
    }
  }
}
