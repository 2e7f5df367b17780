nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
