/* Echoes every frame back unchanged: text as text, binary as binary.
 * Warm instances: the handler keeps nothing between calls, so the server
 * may reuse an instance for anyone's next message. */
#include "switchboard.h"

SB_WARM_CONFIG(SB_DATA_FRAME, SB_DEFAULT_TIMEOUT);

int handle(const sb_request *req, sb_error *err) {
    (void)err; /* a failed send fails the call with the host's reason */
    return sb_send(req->kind, req->data, req->data_len);
}
