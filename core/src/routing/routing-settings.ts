/** How routing reacts to agents: the hub's configuration sets these (`hub.offerExpiry`, `hub.routing`). */
export interface RoutingSettings {
  /** An agent who lets an offer expire is set `away`. */
  setAwayOnOfferExpiry: boolean;
  /** An agent who goes `offline` hands back its assigned conversations, which are queued again. */
  requeueOnOffline: boolean;
  /** Once every eligible agent declined an item, how long before one of them sees it again. */
  declineCooldownSeconds: number;
}

export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = {
  setAwayOnOfferExpiry: true,
  requeueOnOffline: true,
  declineCooldownSeconds: 30,
};

export const routingSettings = (partial: Partial<RoutingSettings> = {}): RoutingSettings => ({
  setAwayOnOfferExpiry: partial.setAwayOnOfferExpiry ?? DEFAULT_ROUTING_SETTINGS.setAwayOnOfferExpiry,
  requeueOnOffline: partial.requeueOnOffline ?? DEFAULT_ROUTING_SETTINGS.requeueOnOffline,
  declineCooldownSeconds: partial.declineCooldownSeconds ?? DEFAULT_ROUTING_SETTINGS.declineCooldownSeconds,
});
