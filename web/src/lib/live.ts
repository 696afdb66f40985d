import { accessTokenForSocket, refreshAccessToken } from "./api";
import { ApiRequestError } from "./errors";
import { LiveSocket, SessionEnded } from "./socket";

/** The app's single live socket; the signed-in shell starts it and sign-out stops it. */
export const live = new LiveSocket({
  async token(fresh) {
    try {
      return await (fresh ? refreshAccessToken() : accessTokenForSocket());
    } catch (err) {
      // 4xx from refresh: the session is over. Network errors and 5xx: try again later.
      if (err instanceof ApiRequestError && err.status >= 400 && err.status < 500) throw new SessionEnded(err.message);
      throw err;
    }
  },
});
