/** Subjects are typed ids: `user:<id>`, `client:<id>` (a service client) or `group:<id>`. */

export const SUBJECT_TYPES = ['user', 'client', 'group'] as const
export type SubjectType = (typeof SUBJECT_TYPES)[number]

export interface SubjectRef {
  readonly type: SubjectType
  readonly id: string
}

const subjectPattern = /^(user|client|group):([A-Za-z0-9][A-Za-z0-9_.@|-]{0,127})$/

/** Parses `user:42`; undefined when the text is not a subject id. */
export function parseSubject(text: string): SubjectRef | undefined {
  const match = subjectPattern.exec(text)
  if (match === null) return undefined
  return { type: match[1] as SubjectType, id: match[2] as string }
}

/** Why a subject id is malformed, or undefined. */
export function subjectProblem(text: string): string | undefined {
  return parseSubject(text) === undefined
    ? `"${text}" is not a subject id such as user:42, client:billing or group:eng`
    : undefined
}

const resourcePattern = /^[a-z][a-z0-9_.-]{0,62}:[A-Za-z0-9_.@|/-]{1,200}$/

/** Why a resource instance (`project:42`) is malformed, or undefined. */
export function resourceInstanceProblem(text: string): string | undefined {
  return resourcePattern.test(text)
    ? undefined
    : `"${text}" is not a resource instance such as project:42`
}
