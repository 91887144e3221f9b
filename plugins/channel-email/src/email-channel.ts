import { DeliveryError, type Channel, type Health, type Logger, type OutboundMessage, type SendResult } from '@switchboard/core';
import nodemailer, { type Transporter } from 'nodemailer';
import { subjectTokenOf, withSubjectToken, type SubjectTokens } from './subject-token.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  accessToken?: string | undefined;
}

export interface EmailChannelOptions {
  channel: string;
  /** Our address: From of every reply. */
  address: string;
  smtp: SmtpSettings;
  logger: Logger;
  timeoutMs?: number;
  /** Where subject tokens are remembered, so that an answer carrying one finds its conversation. */
  tokens?: SubjectTokens | undefined;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const asFailure = (error: unknown): SmtpFailure => (typeof error === 'object' && error !== null ? (error as SmtpFailure) : { message: String(error) });

/**
 * Maps an SMTP failure onto the delivery port: 5xx is permanent (dead-lettered with the server's
 * answer), 4xx and network trouble are temporary (retried with backoff).
 */
export const deliveryErrorOf = (error: unknown): DeliveryError => {
  const failure = asFailure(error);
  const code = failure.responseCode;
  const answer = (failure.response ?? failure.message ?? 'unknown error').replace(/\s+/g, ' ').slice(0, 500);
  if (typeof code === 'number' && code >= 500) return new DeliveryError(`SMTP ${code}: ${answer}`, { permanent: true, cause: error });
  if (typeof code === 'number') return new DeliveryError(`SMTP ${code} (temporary): ${answer}`, { cause: error });
  return new DeliveryError(`SMTP relay unreachable (${failure.code ?? 'error'}): ${answer}`, { cause: error });
};

/** The email channel's outbound side: replies through the instance's SMTP relay. */
export class EmailChannel implements Channel {
  readonly channel: string;
  readonly #options: EmailChannelOptions;
  readonly #transport: Transporter;

  constructor(options: EmailChannelOptions) {
    this.channel = options.channel;
    this.#options = options;
    const { smtp } = options;
    const auth =
      smtp.user === undefined
        ? undefined
        : smtp.accessToken !== undefined
          ? { type: 'OAuth2' as const, user: smtp.user, accessToken: smtp.accessToken }
          : { user: smtp.user, pass: smtp.password ?? '' };
    const timeout = options.timeoutMs ?? 30_000;
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.secure ? {} : { ignoreTLS: smtp.host === '127.0.0.1' || smtp.host === 'localhost' }),
      ...(auth ? { auth } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  /** Deterministic from the ledger id: a retry after a crash carries the same Message-ID. */
  outboundExternalId(message: { interactionId: string }): string {
    return `<${message.interactionId}@${domainOf(this.#options.address)}>`;
  }

  /** Whether a Message-ID is one this channel generates. */
  isOwnMessageId(messageId: string): boolean {
    return messageId.toLowerCase().endsWith(`@${domainOf(this.#options.address)}>`) && /^<[0-9a-f-]{36}@/i.test(messageId);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (message.to.kind !== 'email') throw new DeliveryError(`the email channel cannot reach a ${message.to.kind} identity`, { permanent: true });
    const messageId = this.outboundExternalId(message);
    const references = [...new Set([...(message.references ?? []), ...(message.inReplyTo ? [message.inReplyTo] : [])])];
    // `[#token]`: the fallback for mail clients that drop In-Reply-To and References.
    const token = subjectTokenOf(message.conversationId);
    try {
      await this.#options.tokens?.remember(token, messageId);
    } catch (error) {
      throw new DeliveryError(`could not record the subject token: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    try {
      const info = await this.#transport.sendMail({
        from: this.#options.address,
        to: message.to.name ? { name: message.to.name, address: message.to.value } : message.to.value,
        subject: withSubjectToken(message.subject, token),
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        messageId,
        ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
        ...(references.length > 0 ? { references } : {}),
        // RFC 3834: what no agent wrote is automatic, so that other systems do not answer it.
        headers: message.agent === null ? { 'Auto-Submitted': 'auto-generated' } : {},
      });
      this.#options.logger.debug({ interactionId: message.interactionId, attempt: message.attempt }, 'mail handed to the SMTP relay');
      return { providerMessageId: typeof info.messageId === 'string' ? info.messageId : messageId };
    } catch (error) {
      throw deliveryErrorOf(error);
    }
  }

  /** SMTP connection and login, nothing sent. */
  async testConnection(): Promise<Health> {
    try {
      await this.#transport.verify();
      return { status: 'up', detail: `SMTP ${this.#options.smtp.host}:${this.#options.smtp.port} accepts the login` };
    } catch (error) {
      return { status: 'down', detail: `SMTP ${this.#options.smtp.host}:${this.#options.smtp.port}: ${deliveryErrorOf(error).message}` };
    }
  }

  close(): void {
    this.#transport.close();
  }
}
