"""The offline engines of ModelMosaic: real, key-less, network-free implementations.

``names`` (track names from lexicons and grammar patterns), ``artwork`` (procedural cover
renderer), ``loop`` (seamless video loops through ffmpeg) and ``vision`` (an image description
measured from its pixels). Every output says it comes from the offline engine. Nothing here
imports boto3 or a vendor client.
"""
