// Notification destinations (/api/2.0/notification-destinations), per the Databricks REST
// reference: create (display_name + config of one type: email, slack, webhook, microsoft_teams,
// pagerduty), get, list (paged with page_token; results hold id, display_name, destination_type,
// never the config's secrets). Dashboard schedule subscriptions send to them by id; ids are per
// workspace.
import type { SimService } from "../core/server.js";
import type { Json } from "./state.js";
import { body, err, num, ok, paginate, prng, str, uuid } from "./util.js";

export interface NotificationDestination {
  id: string;
  display_name: string;
  destination_type: "EMAIL" | "SLACK" | "WEBHOOK" | "MICROSOFT_TEAMS" | "PAGERDUTY";
  config: Json;
}

const TYPES: Record<string, NotificationDestination["destination_type"]> = {
  email: "EMAIL",
  slack: "SLACK",
  generic_webhook: "WEBHOOK",
  microsoft_teams: "MICROSOFT_TEAMS",
  pagerduty: "PAGERDUTY",
};

export class NotificationDestinationState {
  readonly records = new Map<string, NotificationDestination>();
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = prng(seed ^ 0x0de5);
  }

  create(spec: Json): NotificationDestination {
    const displayName = str(spec.display_name, "display_name", true);
    const config = spec.config as Json | undefined;
    const kinds = Object.keys(config ?? {}).filter((k) => k in TYPES);
    if (!config || kinds.length !== 1)
      throw err.invalid(`config must hold exactly one of ${Object.keys(TYPES).join(", ")}`);
    let id: string;
    do id = uuid(this.rand);
    while (this.records.has(id));
    const record: NotificationDestination = {
      id,
      display_name: displayName,
      destination_type: TYPES[kinds[0]!]!,
      config,
    };
    this.records.set(id, record);
    return record;
  }

  get(id: string | undefined): NotificationDestination {
    const record = id ? this.records.get(id) : undefined;
    if (!record) throw err.notFound(`Notification destination ${String(id)} does not exist.`);
    return record;
  }
}

const summary = (d: NotificationDestination) => ({
  id: d.id,
  display_name: d.display_name,
  destination_type: d.destination_type,
});

export function registerNotificationDestinationRoutes(
  service: SimService,
  destinations: NotificationDestinationState,
): void {
  const base = "/api/2.0/notification-destinations";
  service.route("POST", base, (req) => ok(summary(destinations.create(body(req)))));
  service.route("GET", `${base}/:id`, (req) => ok(summary(destinations.get(req.params.id))));
  service.route("GET", base, (req) => {
    const pageSize = num(req.query.get("page_size"), "page_size") ?? 100;
    const all = [...destinations.records.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = paginate(all, req.query.get("page_token"), { pageSize });
    return ok({
      results: page.items.map(summary),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    });
  });
}
