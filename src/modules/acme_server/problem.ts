/**
 * RFC 8555 §6.7 problem documents: every refusal is one of these, thrown by
 * the endpoint code and written as application/problem+json by the handler.
 */
export type ProblemType =
  | 'accountDoesNotExist'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'connection'
  | 'dns'
  | 'incorrectResponse'
  | 'malformed'
  | 'orderNotReady'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedIdentifier'
  | 'unsupportedContact'
  | 'alreadyRevoked';

export interface ProblemJSON {
  type: string;
  detail: string;
  status: number;
  subproblems?: unknown[];
}

export class Problem extends Error {
  constructor(
    readonly type: ProblemType,
    detail: string,
    readonly status = defaultStatus(type),
    readonly subproblems?: Array<{ type: ProblemType; detail: string; identifier?: { type: string; value: string } }>,
  ) {
    super(detail);
  }

  toJSON(): ProblemJSON {
    const out: ProblemJSON = { type: urn(this.type), detail: this.message, status: this.status };
    if (this.subproblems?.length) out.subproblems = this.subproblems.map((s) => ({ type: urn(s.type), detail: s.detail, identifier: s.identifier }));
    return out;
  }
}

export const urn = (t: ProblemType): string => `urn:ietf:params:acme:error:${t}`;

function defaultStatus(t: ProblemType): number {
  switch (t) {
    case 'unauthorized':
      return 401;
    case 'orderNotReady':
      return 403;
    case 'serverInternal':
      return 500;
    default:
      return 400;
  }
}
