import { accessTokenForSocket, refreshAccessToken } from "./api";
import { LiveSocket } from "./socket";

/** The app's single live socket; the signed-in shell starts it and sign-out stops it. */
export const live = new LiveSocket({
  token: (fresh) => (fresh ? refreshAccessToken() : accessTokenForSocket()),
});
