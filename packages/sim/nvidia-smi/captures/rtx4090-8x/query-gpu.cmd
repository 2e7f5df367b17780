nvidia-smi --query-gpu=index,name,memory.total --format=csv
