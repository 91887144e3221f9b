import { conflict, forbidden, invalid } from '../shared/domain-error.js';

/** What a desk command refuses: who may act, and what the conversation's state allows. */
export const deskErrors = {
  notYourAgent: () => forbidden('DESK.NOT_YOURS', 'this key acts only for its own agent'),
  notAssignedToYou: (conversationId: string) => forbidden('CONVERSATION.NOT_ASSIGNED_TO_YOU', `conversation ${conversationId} is not assigned to this agent`),
  agentRequired: () => invalid('DESK.AGENT_REQUIRED', 'name the agent who acts', 'agentId'),
  unknownAgent: (id: string) => invalid('AGENT.NOT_FOUND', `agent ${id} does not exist`, 'agentId'),
  emptyReply: () => invalid('REPLY.EMPTY', 'a reply needs text', 'text'),
  emptyNote: () => invalid('NOTE.EMPTY', 'a note needs text', 'text'),
  nothingToReplyTo: (conversationId: string) => conflict('REPLY.NO_CHANNEL', `conversation ${conversationId} has no inbound message to reply to`),
  noQueueToReturnTo: (conversationId: string) => conflict('CONVERSATION.NO_QUEUE', `conversation ${conversationId} has no queue to return to`),
  agentUnavailable: (why: string) => conflict('TRANSFER.AGENT_UNAVAILABLE', why),
};
