import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  from: string | null;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  mails: SunkMail[];
  /** Each successful login: the SASL method and the user. */
  logins: { method: string; user: string }[];
  /** The next RCPT TO answers this SMTP code and text (e.g. 451 or 550), once per entry. */
  refuseNext(code: number, text: string): void;
  stop(): Promise<void>;
}

/** An in-process SMTP server on a free loopback port that keeps what it receives, parsed. */
export const startSmtpSink = async (
  credentials: { user: string; password: string; accessToken?: string } = { user: 'support', password: 'smtppw' },
): Promise<SmtpSink> => {
  const mails: SunkMail[] = [];
  const logins: { method: string; user: string }[] = [];
  const refusals: { code: number; text: string }[] = [];
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    authMethods: credentials.accessToken === undefined ? ['PLAIN', 'LOGIN'] : ['PLAIN', 'LOGIN', 'XOAUTH2'],
    onAuth(auth, _session, callback) {
      const valid =
        auth.username === credentials.user &&
        (auth.method === 'XOAUTH2' ? credentials.accessToken !== undefined && auth.accessToken === credentials.accessToken : auth.password === credentials.password);
      if (valid) {
        logins.push({ method: auth.method, user: auth.username ?? '' });
        return callback(null, { user: auth.username });
      }
      if (auth.method === 'XOAUTH2') return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'mail' } });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      const refusal = refusals.shift();
      if (refusal) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            mails.push({ from: from ? from.address : null, to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            callback(null, 'Queued');
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('the SMTP sink has no port');
  return {
    port: address.port,
    mails,
    logins,
    refuseNext: (code, text) => refusals.push({ code, text }),
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
};
