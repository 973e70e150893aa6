// Request schemas of the auth API.
import { t } from 'elysia'

/** Email + password, as sent by signup and login. */
export const credentials = t.Object({
  email: t.String({ maxLength: 254 }),
  password: t.String({ maxLength: 1024 }),
})
