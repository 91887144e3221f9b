import { conflict, notFound } from '../shared/domain-error.js';

/** The ledger's errors: conversations and their lifecycle. */
export const ledgerErrors = {
  conversationNotFound: (id: string) => notFound('CONVERSATION.NOT_FOUND', `conversation ${id} does not exist`),
  invalidTransition: (from: string, to: string) => conflict('CONVERSATION.INVALID_TRANSITION', `a ${from} conversation cannot become ${to}`),
  alreadyResolved: (id: string, status: string) => conflict('CONVERSATION.ALREADY_RESOLVED', `conversation ${id} is already ${status}`),
  closed: (id: string) => conflict('CONVERSATION.CLOSED', `conversation ${id} is closed`),
  notResolved: (status: string) => conflict('CONVERSATION.NOT_RESOLVED', `only a resolved conversation can be reopened (it is ${status})`),
  notOpen: (status: string) => conflict('CONVERSATION.NOT_OPEN', `a ${status} conversation cannot be transferred`),
};
