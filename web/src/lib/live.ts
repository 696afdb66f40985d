import { accessTokenForSocket, refreshAccessToken } from "./api";
import { ApiRequestError } from "./errors";
import { LiveSocket, SessionEnded } from "./socket";

/** The app's single live socket; the signed-in shell starts it and sign-out stops it. */
export const live = new LiveSocket({
  async token(fresh) {
    try {
      return await (fresh ? refreshAccessToken() : accessTokenForSocket());
    } catch (err) {
      // 401/403 from refresh: the session is over. Rate limits (429), network errors and 5xx pass:
      // try again later, still signed in.
      if (err instanceof ApiRequestError && (err.status === 401 || err.status === 403))
        throw new SessionEnded(err.message);
      throw err;
    }
  },
});
