// The 404 page of the browser screens (another tenant's id looks exactly like a missing one).
import { NotFound } from '../../views/screens/not-found'
import { html } from '../plugins/html'

/** A 404 HTML answer. */
export const notFoundPage = (user: { email: string; role: 'admin' | 'user' } | null) =>
  html(NotFound({ user }) as string, 404)
