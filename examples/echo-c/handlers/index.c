/* Echoes every frame back unchanged: text as text, binary as binary. */
#include "switchboard.h"

SB_CONFIG(SB_DATA_FRAME, SB_DEFAULT_TIMEOUT);

int handle(const sb_request *req, sb_error *err) {
    (void)err; /* a failed send fails the call with the host's reason */
    return sb_send(req->kind, req->data, req->data_len);
}
