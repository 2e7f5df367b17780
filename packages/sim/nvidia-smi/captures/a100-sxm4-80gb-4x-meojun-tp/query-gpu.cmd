nvidia-smi --query-gpu=index,name,uuid,driver_version,memory.total --format=csv
