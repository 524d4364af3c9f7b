#!/bin/sh
# One image, two hosts:
#   SageMaker runs `docker run IMAGE serve`        -> serve.py (/ping, /invocations on :8080)
#   Lambda passes the handler (CMD/ImageConfig)    -> awslambdaric runs it
#   ECS (the container path of the state machines)  `task` -> functions/audio/task.py: one stage,
#                                                  answered with the task token
# Outside Lambda (no AWS_LAMBDA_RUNTIME_API) the Runtime Interface Emulator is used when it is
# mounted at /usr/local/bin/aws-lambda-rie, for local `curl` tests of the Lambda path.
set -eu

if [ "${1:-}" = "serve" ]; then
    shift
    exec python /opt/soundmosaic/serve.py "$@"
fi

if [ "${1:-}" = "task" ]; then
    exec python -m functions.audio.task
fi

if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ] && [ -x /usr/local/bin/aws-lambda-rie ]; then
    exec /usr/local/bin/aws-lambda-rie python -m awslambdaric "$@"
fi
exec python -m awslambdaric "$@"
