import { DeliveryError, isDeliveryError, type AgentDesk, type Channel, type PluginHttpRoute } from '@switchboard/core';
import type { LoadedPlugin } from './plugin-loader.js';
import { scrubbedError } from './plugin-secrets.js';

// Errors a plugin throws from the hub's calls end up in logs, API answers and delivery reasons:
// scrub the instance's secrets from them where they leave the plugin.

const scrubbed = (error: unknown, redact: (text: string) => string): Error => {
  if (isDeliveryError(error)) {
    const safe = new DeliveryError(redact(error.message), { permanent: error.permanent });
    if (error.stack !== undefined) safe.stack = redact(error.stack);
    return safe;
  }
  return scrubbedError(error, redact);
};

/** The channel as the hub calls it: failures of `send` carry no secret of the instance. */
export const guardedChannel = (plugin: Pick<LoadedPlugin, 'redact'>, channel: Channel): Channel => {
  const guarded: Channel = {
    channel: channel.channel,
    send: async (message) => {
      try {
        return await channel.send(message);
      } catch (error) {
        throw scrubbed(error, plugin.redact);
      }
    },
  };
  const externalId = channel.outboundExternalId;
  if (externalId !== undefined) guarded.outboundExternalId = (message) => Reflect.apply(externalId, channel, [message]);
  return guarded;
};

/** The plugin's HTTP routes as the hub mounts them: a throw carries no secret of the instance. */
export const guardedRoutes = (plugin: Pick<LoadedPlugin, 'redact'>, routes: readonly PluginHttpRoute[]): PluginHttpRoute[] =>
  routes.map((route) => ({
    ...route,
    handle: async (request) => {
      try {
        return await route.handle(request);
      } catch (error) {
        throw scrubbed(error, plugin.redact);
      }
    },
  }));

/** The desk as the desk jobs call it: a failure (kept in the dead letter, logged) carries no secret of the instance. */
export const guardedDesk = (plugin: Pick<LoadedPlugin, 'redact'>, desk: AgentDesk): AgentDesk => {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw scrubbed(error, plugin.redact);
      }
    };
  const guarded: AgentDesk = {
    reaches: (agent) => desk.reaches(agent),
    deliverOffer: guard((offer) => desk.deliverOffer(offer)),
    updateOffer: guard((update) => desk.updateOffer(update)),
    postToThread: guard((post) => desk.postToThread(post)),
    notify: guard((agentId, text) => desk.notify(agentId, text)),
  };
  const find = desk.findUserByEmail;
  if (find !== undefined) guarded.findUserByEmail = guard((email: string) => Reflect.apply(find, desk, [email]) as ReturnType<typeof find>);
  return guarded;
};
